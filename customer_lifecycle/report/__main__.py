"""python -m customer_lifecycle.report --out DIR"""

from customer_lifecycle.report.cli import main

main()
