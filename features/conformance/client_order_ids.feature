@conformance @epic:conformance @feature:client-order-ids
@allure.label.epic:conformance @allure.label.feature:client-order-ids
Feature: Any broker keeps a client order id to one order
  The conformance profile: a client order id names one order of the account, so a client that sends the
  same order twice (a retry after a dropped connection) does not trade twice. A broker that keeps every
  order it ever took refuses an id used in an earlier run too: there the suite sends each id with a token
  of the run appended.

  @allure.label.story:idempotency @allure.severity:critical
  Scenario: The order carries the client order id it was sent with
    When I buy 1 share with a limit far below the market and client order id "coid-1"
    Then the order carries the client order id "coid-1"
    And the order shows what was sent

  @allure.label.story:idempotency @allure.severity:critical
  Scenario: A second order with the same client order id is refused, and the first one stands
    When I buy 1 share with a limit far below the market and client order id "coid-2"
    And I buy 2 shares with a limit far below the market and client order id "coid-2"
    Then the order is refused because of a client order id already used
    And only one of my orders has the client order id "coid-2"

  @allure.label.story:idempotency
  Scenario: A client order id stays used after its order is canceled
    When I buy 1 share with a limit far below the market and client order id "coid-3"
    And I cancel the order
    And I buy 1 share with a limit far below the market and client order id "coid-3"
    Then the order is refused because of a client order id already used
    And only one of my orders has the client order id "coid-3"

  @allure.label.story:idempotency
  Scenario: An order sent without a client order id gets one from the broker, and is found by it
    When I buy 1 share with a limit far below the market
    Then the order has a client order id from the broker
    When I look up the order by its client order id
    Then my look-up finds the order

  @allure.label.story:idempotency
  Scenario: The replacement of an order gets a client order id of its own
    When I buy 1 share with a limit far below the market and client order id "coid-4"
    And I lower the limit by 10%
    Then the order has a client order id from the broker
    And the original order is replaced
