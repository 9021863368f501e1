@epic:order-lifecycle @feature:lifecycle
@allure.label.epic:order-lifecycle @allure.label.feature:lifecycle
@needs:control @needs:fills
Feature: An order travels to the venue, then fills, rests, or is canceled
  An order is accepted at once and reaches the venue after a latency on the simulated clock.
  Every change of state is an event in the order's log, in order.

  Background:
    Given the account "alice" with $100,000 cash
    And orders reach the venue after 250 ms

  @allure.label.story:latency @allure.severity:critical
  @needs:clock
  Scenario: An order in flight is accepted but not filled
    When alice sends an order to buy 100 ACME at market
    Then the order is accepted
    And nothing is filled

  @allure.label.story:latency
  @needs:clock
  Scenario: An order in flight fills once it reaches the venue
    When alice sends an order to buy 100 ACME at market
    And the order reaches the venue
    Then the order is filled
    And alice holds 100 ACME

  @allure.label.story:latency
  @needs:clock
  Scenario: An order fills only after its latency has passed
    When alice sends an order to buy 100 ACME at market
    And 100 ms pass
    Then the order is accepted
    When 200 ms pass
    Then the order is filled

  @allure.label.story:event-log @allure.severity:critical
  Scenario: A filled market order leaves a complete event log
    When alice buys 100 ACME at market
    Then the order goes through these events:
      | event    |
      | accepted |
      | new      |
      | fill     |

  @allure.label.story:cancel
  Scenario: A resting order can be canceled
    When alice buys 100 ACME with a limit of $45.00
    And alice cancels the order
    Then the order is canceled
    And nothing is filled
    And the order goes through these events:
      | event          |
      | accepted       |
      | new            |
      | pending_cancel |
      | canceled       |

  @allure.label.story:cancel
  Scenario: A cancel that comes after the fill is refused
    When alice buys 100 ACME at market
    And alice cancels the order
    Then the cancel is refused because the order is already done
    And the order is filled

  @allure.label.story:replace
  Scenario: Raising the limit of a resting buy makes it fill
    When alice buys 100 ACME with a limit of $45.00
    And alice changes the limit to $55.00
    Then the order is filled
    And it fills at $55.00 or better
    And alice holds 100 ACME

  @allure.label.story:replace
  Scenario: Changing the quantity of a resting order replaces it
    When alice buys 100 ACME with a limit of $45.00
    And alice changes the quantity to 50
    Then the order is resting
    And alice's orders are:
      | side | shares | status   |
      | buy  | 100    | replaced |
      | buy  | 50     | resting  |

  @allure.label.story:cancel
  Scenario: Cancel all open orders leaves nothing working
    When alice places these orders:
      | side | shares | type  | limit price | time in force      |
      | buy  | 100    | limit | $45.00      | good till canceled |
      | buy  | 200    | limit | $44.00      | day                |
      | buy  | 10     | market|             |                    |
    And alice cancels all open orders
    Then alice's orders are:
      | side | shares | status   |
      | buy  | 100    | canceled |
      | buy  | 200    | canceled |
      | buy  | 10     | filled   |
    And alice holds 10 ACME
