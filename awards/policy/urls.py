"""Policy pages of the awards app (issue 21): committees and the approval matrix."""



app_name = "awards_policy"

urlpatterns = [
]
