"""People within a unit: named handlers (承办人), backups (AB岗), leaders of major cases."""
