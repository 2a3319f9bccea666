"""Pure-Python logic of the customer lifecycle warehouse.

The dbt Python models stay thin and call into this package:

- :mod:`customer_lifecycle.simulate`: deterministic demo-data simulator (CLI);
- :mod:`customer_lifecycle.btyd`: BG/NBD and Gamma-Gamma maximum likelihood;
- :mod:`customer_lifecycle.segmentation`: KMeans segmentation;
- :mod:`customer_lifecycle.churn`: churn features, models and honest evaluation.
"""

__version__ = "0.1.0"
