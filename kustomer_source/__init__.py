"""Kustomer CRM source for dlt."""
