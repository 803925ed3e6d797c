"""Demand forecasts and the stockout projection, stored beside the warehouse (docs/forecasting.md)."""
