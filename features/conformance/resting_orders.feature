@conformance @epic:conformance @feature:resting-orders
@allure.label.epic:conformance @allure.label.feature:resting-orders
Feature: Any broker takes, shows, changes and cancels a resting limit order
  The conformance profile: a limit far from the market (half the bid for a buy) rests without filling,
  so every scenario here is safe on a real paper account; whatever a scenario leaves open is canceled
  after it.

  @allure.label.story:submit @allure.severity:critical
  Scenario: A limit far below the market rests at the venue
    When I buy 1 share with a limit far below the market
    Then the order is resting
    And nothing is filled
    And my open orders include the order

  @allure.label.story:submit @allure.severity:critical
  Scenario: The order shows what was sent
    When I buy 2 shares with a limit far below the market, good till canceled
    Then the order shows what was sent

  @allure.label.story:look-up @allure.severity:critical
  Scenario: An order is found by its id
    When I buy 1 share with a limit far below the market
    And I look up the order
    Then my look-up finds the order

  @allure.label.story:look-up @allure.severity:critical
  Scenario: An order is found by its client order id
    When I buy 1 share with a limit far below the market and client order id "rest-1"
    And I look up the order by its client order id
    Then my look-up finds the order

  @allure.label.story:look-up
  Scenario: An order id no broker gave out is not found
    When I look up an order that does not exist
    Then my look-up is refused because the order is not found

  @allure.label.story:replace @allure.severity:critical
  Scenario: Changing the limit replaces the order with one at the new limit
    When I buy 1 share with a limit far below the market
    And I lower the limit by 10%
    Then the order rests at the new limit
    And the original order is replaced

  @allure.label.story:replace
  Scenario: Changing the quantity replaces the order with one for the new quantity
    When I buy 1 share with a limit far below the market
    And I change the quantity to 2
    Then the order is for 2 shares
    And the order is resting
    And the original order is replaced

  @allure.label.story:cancel @allure.severity:critical
  Scenario: A resting order is canceled
    When I buy 1 share with a limit far below the market
    And I cancel the order
    Then the order is canceled
    And nothing is filled
    And my open orders do not include the order

  @allure.label.story:cancel
  Scenario: Canceling an order that is already canceled is refused as already done
    When I buy 1 share with a limit far below the market
    And I cancel the order
    And I cancel the order
    Then the cancel is refused because the order is already done
    And the order is canceled
