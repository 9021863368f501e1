"""The service's routers, one per job: trading (/v2), market data (/v2/stocks), control (/mock), health+metrics."""
