"""Policy pages of the vendors app (issue 21): due-diligence plans, the tiering rule table, the risk acceptance
matrix."""



app_name = "vendors_policy"

urlpatterns = [
]
