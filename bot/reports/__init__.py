"""Reports over a period: numbers aggregated in SQL, shown as text, Excel and charts."""
