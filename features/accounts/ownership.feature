@epic:accounts @feature:ownership
@allure.label.epic:accounts @allure.label.feature:ownership
@needs:control @needs:fills
Feature: An account acts only on its own orders
  Every step acts as the account it names. To any other account, an order does not exist: cancelling,
  changing or looking it up is refused as not found, and the order is left as it was, exactly as a real
  broker answers a client that holds another account's keys.

  Background:
    Given the account "alice" with $100,000 cash
    And the account "bob" with $100,000 cash

  @allure.label.story:cancel @allure.severity:critical
  Scenario: Alice cannot cancel bob's order
    When bob buys 100 ACME with a limit of $45.00
    And alice cancels the order
    Then alice's cancel is refused because the order is not found
    And the order is still open
    And bob's orders are:
      | side | shares | status  |
      | buy  | 100    | resting |

  @allure.label.story:cancel
  Scenario: Bob cancels his own order
    When bob buys 100 ACME with a limit of $45.00
    And bob cancels the order
    Then the order is canceled
    And bob's cash is unchanged

  @allure.label.story:cancel
  Scenario: Trying to cancel someone else's order is refused at once, not failed
    When bob buys 100 ACME with a limit of $45.00
    And alice tries to cancel the order
    Then alice's cancel is refused because the order is not found
    And no request failed
    And the order is still open

  @allure.label.story:replace @allure.severity:critical
  Scenario: Alice cannot change the limit of bob's order
    When bob buys 100 ACME with a limit of $45.00
    And alice changes the limit to $55.00
    Then alice's change is refused because the order is not found
    And nothing is filled
    And bob's orders are:
      | side | shares | status  |
      | buy  | 100    | resting |

  @allure.label.story:replace
  Scenario: Alice cannot change the quantity of bob's order
    When bob buys 100 ACME with a limit of $45.00
    And alice changes the quantity to 50
    Then alice's change is refused because the order is not found
    And bob's orders are:
      | side | shares | status  |
      | buy  | 100    | resting |

  @allure.label.story:replace
  Scenario: Bob changes his own order
    When bob buys 100 ACME with a limit of $45.00
    And bob changes the quantity to 50
    Then bob's orders are:
      | side | shares | status   |
      | buy  | 100    | replaced |
      | buy  | 50     | resting  |

  @allure.label.story:look-up @allure.severity:critical
  Scenario: Alice cannot look up bob's order by its id
    When bob buys 100 ACME with a limit of $45.00
    And alice looks up the order
    Then alice's look-up is refused because the order is not found
    When bob looks up the order
    Then bob's look-up finds the order

  @allure.label.story:look-up
  Scenario: Alice cannot look up bob's order by its client order id
    When bob places these orders:
      | side | shares | type  | limit price | client order id |
      | buy  | 100    | limit | $45.00      | bob-1           |
    And alice looks up the order with client order id "bob-1"
    Then alice's look-up is refused because the order is not found
    When bob looks up the order by its client order id
    Then bob's look-up finds the order

  @allure.label.story:look-up
  Scenario: A client order id belongs to its account, so two accounts may use the same one
    When bob places these orders:
      | side | shares | type  | limit price | client order id |
      | buy  | 100    | limit | $45.00      | desk-1          |
    And alice places these orders:
      | side | shares | type  | limit price | client order id |
      | buy  | 20     | limit | $44.00      | desk-1          |
    And alice looks up the order with client order id "desk-1"
    Then alice's look-up finds the order
    And alice's orders are:
      | side | shares | status  |
      | buy  | 20     | resting |

  @allure.label.story:cancel
  Scenario: A cancel that comes after the fill is refused as already done, for the owner
    When bob buys 100 ACME at market
    And bob cancels the order
    Then bob's cancel is refused because the order is already done
    And the order is filled
