"""Load testing with Locust: ``load/locustfile.py`` (the trader mix) and ``python -m load.run`` (one command that
starts a service, runs Locust headless, locally or as one master with several workers on 127.0.0.1, and checks
consistency). Locust patches the interpreter through gevent: it only ever runs in processes of its own."""
