"""What operators use and no API client imports: probes, metrics, logs, request ids, the security
overview.
"""
