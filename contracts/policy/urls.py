"""Policy pages of the contracts app (issue 21): the clause playbook, KPI and check-in templates, reminder
lead times."""



app_name = "contracts_policy"

urlpatterns = [
]
