@epic:orders @feature:oco-orders
@allure.label.epic:orders @allure.label.feature:oco-orders
@needs:clock @needs:control @needs:fills
Feature: An OCO order protects a position with a take profit and a stop loss
  One cancels other: both exits work at once on a position already held; the first to fill cancels the other.
  The cancel travels to the venue like any order, so in a market that jumps both ways faster than that, both can
  fill (the real broker says so too).

  Background:
    Given the account "alice" with $100,000 cash
    And alice holds 100 ACME

  @allure.label.story:oco @allure.severity:critical
  Scenario: A rally fills the take profit and the stop loss is canceled
    When alice protects 100 ACME with a take profit at $55.00 and a stop loss at $47.00
    And 1 second passes
    Then the take profit is resting
    And the stop loss is resting
    When ACME gaps up 12%
    And 1 second passes
    Then the take profit is filled
    And the stop loss is canceled
    And alice has no ACME position

  @allure.label.story:oco
  Scenario: A crash fills the stop loss and the take profit is canceled
    When alice protects 100 ACME with a take profit at $55.00 and a stop loss at $47.00
    And 1 second passes
    And ACME gaps down 10%
    And 1 second passes
    Then the stop loss is filled
    And the take profit is canceled
    And alice has no ACME position

  @allure.label.story:oco-race
  Scenario: A stop loss that fills before the take profit's cancel lands: both fill
    Given orders reach the venue after 500 ms
    When alice protects 100 ACME with a take profit at $55.00 and a stop loss at $47.00
    And 1 second passes
    And ACME gaps up 12%
    And ACME gaps down 25%
    And 1 second passes
    Then the take profit is filled
    And the stop loss is filled
    And alice is short 100 ACME

  @allure.label.story:oco-validation
  Scenario: An OCO for more shares than are held is refused
    When alice protects 150 ACME with a take profit at $55.00 and a stop loss at $47.00
    Then the order is refused because of not enough shares to close
