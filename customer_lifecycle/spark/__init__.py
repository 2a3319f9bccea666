"""Apache Spark support (issue 21): the build command's driver, the Python-model
shim, publishing into a public schema and the cross-engine comparison."""
