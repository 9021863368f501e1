"""Helper code behind the step vocabulary: the scene, tasks and questions, matchers, Allure evidence, hooks.

Step functions stay one or two lines and hand off to this package. Nothing here knows which target runs the
broker: it only calls the ``Broker`` and ``SimulationControl`` protocols of ``mockbroker.interface``.
"""
