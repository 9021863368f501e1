@conformance @needs:two-accounts @epic:conformance @feature:isolation
@allure.label.epic:conformance @allure.label.feature:isolation
Feature: Any broker keeps one account's orders out of another's reach
  The conformance profile: with two accounts (a broker adapter's first and second key pair), neither sees
  or touches the other's orders; to the other account an order does not exist.

  Background:
    Given the accounts "alice" and "bob"

  @allure.label.story:look-up @allure.severity:critical
  Scenario: Another account cannot look up my order by its id
    When alice buys 1 share with a limit far below the market
    And bob looks up the order
    Then bob's look-up is refused because the order is not found
    When alice looks up the order
    Then alice's look-up finds the order

  @allure.label.story:cancel @allure.severity:critical
  Scenario: Another account cannot cancel my order
    When alice buys 1 share with a limit far below the market
    And bob cancels the order
    Then bob's cancel is refused because the order is not found
    And the order is resting

  @allure.label.story:replace @allure.severity:critical
  Scenario: Another account cannot change my order
    When alice buys 1 share with a limit far below the market
    And bob changes the quantity to 2
    Then bob's change is refused because the order is not found
    And the order is for 1 share
    And the order is resting

  @allure.label.story:look-up
  Scenario: Another account cannot find my order by its client order id
    When alice buys 1 share with a limit far below the market and client order id "iso-1"
    And bob looks up the order with client order id "iso-1"
    Then bob's look-up is refused because the order is not found

  @allure.label.story:orders
  Scenario: Another account's open orders do not include my order
    When alice buys 1 share with a limit far below the market
    Then alice's open orders include the order
    And bob's open orders do not include the order

  @allure.label.story:client-order-ids
  Scenario: Two accounts may use the same client order id
    When bob buys 2 shares with a limit far below the market and client order id "iso-2"
    And alice buys 1 share with a limit far below the market and client order id "iso-2"
    Then the order is resting
    And the order carries the client order id "iso-2"
    When alice looks up the order with client order id "iso-2"
    Then alice's look-up finds the order
