"""Lists across contracts (issue 21): invoices, KPIs and obligations, sorted, filtered, paginated, exported."""



urls = [
]
