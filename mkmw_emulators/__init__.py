"""Faithful local emulators of MplusKASSA (SOAP) and MijnWebwinkel (REST), for tests and demos.

Shipped apart from the product (the ``mkmw-emulators`` distribution, installed by the
``mkmw-flows[emulators]`` extra), as moto ships apart from boto3: users of the product never run
them, and an emulator that shared the client's code could not catch the client's mistakes.
One folder per service (``mplus/``, ``mijnwebwinkel/``); ``core/`` holds what both share
(fault injection, serving, the vendor contracts' location).
"""
