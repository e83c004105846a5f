"""Lists across vendors (issue 21): the risk register of every vendor the person may see."""



urls = [
]
