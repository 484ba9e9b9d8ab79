"""A minimal but opinionated dict/object combo (inert diff fixture, before the takeover)."""


class Ctx(dict):
    def __getattr__(self, name):
        return self[name]

    def __setattr__(self, name, value):
        self[name] = value
