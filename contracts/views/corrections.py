"""Undoing what is undoable on a contract, with a reason (issue 21)."""



urls = [
]
