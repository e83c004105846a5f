"""A JSON schema for the part of the Compose file format docker-compose.yml uses.

No installed package ships the compose-spec schema, and the machine that runs the tests has the docker CLI
without its compose plugin, so `docker compose config` cannot check the file there. This schema is written
from the Compose specification for the keys Baton uses; it is strict (an unknown key is an error), so a
misspelt key such as `healthckeck` or `depends-on` fails instead of being silently ignored by the engine.
A key Baton starts using must be added here first.
"""

_STRING_LIST = {"type": "array", "items": {"type": "string"}}
_DURATION = {"type": "string", "pattern": r"^([0-9]+(\.[0-9]+)?(us|ms|s|m|h))+$"}
_COMMAND = {"oneOf": [{"type": "string"}, _STRING_LIST]}
_ENV_VALUE = {"type": ["string", "number", "boolean", "null"]}

_HEALTHCHECK = {
    "type": "object",
    "additionalProperties": False,
    "anyOf": [{"required": ["test"]}, {"required": ["disable"], "properties": {"disable": {"const": True}}}],
    "properties": {
        "test": {
            "oneOf": [
                {"type": "string"},
                {"type": "array", "minItems": 2, "items": {"type": "string"},
                 "prefixItems": [{"enum": ["CMD", "CMD-SHELL", "NONE"]}]},
            ]
        },
        "interval": _DURATION,
        "timeout": _DURATION,
        "retries": {"type": "integer", "minimum": 1},
        "start_period": _DURATION,
        "start_interval": _DURATION,
        "disable": {"type": "boolean"},
    },
}

_DEPENDS_ON = {
    "oneOf": [
        _STRING_LIST,
        {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "additionalProperties": False,
                "required": ["condition"],
                "properties": {
                    "condition": {"enum": ["service_started", "service_healthy", "service_completed_successfully"]},
                    "restart": {"type": "boolean"},
                    "required": {"type": "boolean"},
                },
            },
        },
    ]
}

_DEPLOY = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "replicas": {"type": "integer", "minimum": 0},
        "resources": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "limits": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "cpus": {"type": ["string", "number"], "pattern": r"^[0-9]+(\.[0-9]+)?$"},
                        "memory": {"type": "string", "pattern": r"^[0-9]+(\.[0-9]+)?[bkmgBKMG]?$"},
                        "pids": {"type": "integer"},
                    },
                },
                "reservations": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "cpus": {"type": ["string", "number"]},
                        "memory": {"type": "string"},
                    },
                },
            },
        },
    },
}

_SERVICE = {
    "type": "object",
    "additionalProperties": False,
    "patternProperties": {"^x-": {}},
    "anyOf": [{"required": ["image"]}, {"required": ["build"]}],
    "properties": {
        "image": {"type": "string", "minLength": 1},
        "build": {"oneOf": [{"type": "string"}, {"type": "object"}]},
        "command": _COMMAND,
        "entrypoint": _COMMAND,
        "environment": {
            "oneOf": [
                {"type": "object", "additionalProperties": _ENV_VALUE},
                _STRING_LIST,
            ]
        },
        "depends_on": _DEPENDS_ON,
        "healthcheck": _HEALTHCHECK,
        "restart": {"enum": ["no", "always", "on-failure", "unless-stopped"]},
        "deploy": _DEPLOY,
        "ports": {"type": "array", "items": {"type": ["string", "integer"]}},
        "expose": {"type": "array", "items": {"type": ["string", "integer"]}},
        "volumes": _STRING_LIST,
        "tmpfs": {"oneOf": [{"type": "string"}, _STRING_LIST]},
        "read_only": {"type": "boolean"},
        "shm_size": {"type": ["string", "integer"]},
        "stop_grace_period": _DURATION,
    },
}

COMPOSE_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "required": ["services"],
    "patternProperties": {"^x-": {}},
    "properties": {
        "name": {"type": "string"},
        "services": {
            "type": "object",
            "minProperties": 1,
            "propertyNames": {"pattern": r"^[a-z0-9][a-z0-9_.-]*$"},
            "additionalProperties": _SERVICE,
        },
        "volumes": {
            "type": "object",
            "additionalProperties": {"oneOf": [{"type": "null"}, {"type": "object"}]},
        },
        "networks": {"type": "object"},
    },
}
