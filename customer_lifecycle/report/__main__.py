"""python -m customer_lifecycle.report --out DIR"""

from customer_lifecycle.report.cli import main

if __name__ == "__main__":
    main()
