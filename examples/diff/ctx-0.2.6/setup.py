from setuptools import setup

setup(name="ctx", version="0.2.6", packages=["ctx"])
