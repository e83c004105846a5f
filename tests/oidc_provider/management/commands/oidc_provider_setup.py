"""Make the test provider's client and users: `oidc_provider_setup --redirect-uri URI --client-id ID
--client-secret S --user name:password:group1,group2 ...` (run again: it brings them to what it is told)."""

from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand
from oauth2_provider.models import Application


class Command(BaseCommand):
    help = "Create the test provider's confidential client and users."

    def add_arguments(self, parser):
        parser.add_argument("--redirect-uri", required=True)
        parser.add_argument("--client-id", required=True)
        parser.add_argument("--client-secret", required=True)
        parser.add_argument("--user", action="append", default=[], help="name:password:group1,group2")

    def handle(self, *args, redirect_uri, client_id, client_secret, user, **options):
        application = Application.objects.filter(client_id=client_id).first() or Application(client_id=client_id)
        application.name = "Baton"
        application.client_type = Application.CLIENT_CONFIDENTIAL
        application.authorization_grant_type = Application.GRANT_AUTHORIZATION_CODE
        application.redirect_uris = redirect_uri
        application.client_secret = client_secret  # hashed by the model on save
        application.skip_authorization = True
        application.algorithm = Application.RS256_ALGORITHM
        application.save()
        for spec in user:
            name, password, groups = (spec.split(":", 2) + ["", ""])[:3]
            person, _ = User.objects.get_or_create(username=name)
            person.set_password(password)
            person.email = f"{name}@provider.example.test"
            person.first_name, person.last_name = name.capitalize(), "Tester"
            person.save()
            person.groups.set([Group.objects.get_or_create(name=g)[0] for g in groups.split(",") if g])
        self.stdout.write(f"client {client_id} and {len(user)} user(s) ready")
