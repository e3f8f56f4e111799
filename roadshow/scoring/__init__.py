"""Pure scoring code: no Flask, no SQLAlchemy, plain dataclasses and Decimals in and out."""
