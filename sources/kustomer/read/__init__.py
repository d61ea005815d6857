"""How objects are read: list pages (`lists`), search scans (`search`), readers side by side
(`parallel`), the incremental dispatcher (`incremental`), the first load (`first_load`), the
lookback span (`lookback`) and message attachments (`attachments`)."""
