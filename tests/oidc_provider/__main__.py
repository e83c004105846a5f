"""Start the test identity provider: `python -m tests.oidc_provider --port P --dir D --redirect-uri URI
--client-id ID --client-secret S --control-token T --user name:password:groups ...`.

Generates the RS256 signing key into D, migrates its own SQLite database there, runs the setup command, then
serves on 127.0.0.1:P in this process (Django's development server, no reloader) until it is stopped.
"""

import argparse
import os
import sys
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.oidc_provider")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--redirect-uri", required=True)
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--client-secret", required=True)
    parser.add_argument("--control-token", required=True)
    parser.add_argument("--user", action="append", default=[])
    args = parser.parse_args(argv)

    workdir = Path(args.dir)
    workdir.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    (workdir / "signing-key.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    os.environ.update({
        "DJANGO_SETTINGS_MODULE": "tests.oidc_provider.settings",
        "OIDC_PROVIDER_DIR": str(workdir),
        "OIDC_PROVIDER_ISSUER": f"http://127.0.0.1:{args.port}/o",
        "OIDC_PROVIDER_CONTROL_TOKEN": args.control_token,
    })

    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, skip_checks=True)
    setup = ["--redirect-uri", args.redirect_uri, "--client-id", args.client_id, "--client-secret",
             args.client_secret]
    for user in args.user:
        setup += ["--user", user]
    call_command("oidc_provider_setup", *setup)
    call_command("runserver", f"127.0.0.1:{args.port}", use_reloader=False, skip_checks=True, use_threading=True)


if __name__ == "__main__":
    main(sys.argv[1:])
