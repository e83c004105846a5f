"""Setting a procedure up without friction (issue 21): several vendors invited at once, evaluators by criterion
group, undoing an assignment or a declaration with a reason."""



urls = [
]
