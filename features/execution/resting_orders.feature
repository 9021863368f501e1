@epic:execution @feature:resting-orders
@allure.label.epic:execution @allure.label.feature:resting-orders
@needs:control @needs:fills
Feature: Resting orders fill when the market comes to them
  A limit the market crosses fills at the market's prices, which may be better than the limit. A limit the
  market only touches fills by chance, or, with queue positions, once the orders ahead of it have traded.
  Stops wake up when the price reaches them; a trailing stop follows the price up and never moves down.

  Background:
    Given the account "alice" with $1,000,000 cash
    And ACME trades around $50.00 with a spread of 2 cents
    And prices move about 0% on a typical day

  @allure.label.story:touch @allure.severity:critical
  @needs:clock
  Scenario: A buy at the bid that the offer only touches does not fill when touches never fill
    Given resting orders fill 0% of the time when the market only touches them
    When alice buys 100 ACME with a limit of $49.99
    And ACME gaps down 0.04%
    And 10 seconds pass
    Then the order is resting
    And nothing is filled

  @allure.label.story:touch
  Scenario: The same order fills at once when every touch fills
    Given resting orders fill 100% of the time when the market only touches them
    When alice buys 100 ACME with a limit of $49.99
    And ACME gaps down 0.04%
    Then the order is filled
    And it fills at $49.99 or better

  @allure.label.story:queue-position @allure.severity:critical
  @needs:clock
  Scenario: With queue positions a touched order waits until the orders ahead of it have traded
    Given resting orders keep their place in the queue
    When alice buys 100 ACME with a limit of $49.99
    And ACME gaps down 0.04%
    Then nothing is filled
    When 2 minutes pass
    Then the order is filled

  @allure.label.story:price-improvement @allure.severity:critical
  Scenario: A market that gaps through a limit fills it at the better price
    When alice buys 100 ACME with a limit of $49.00
    And ACME gaps down 10%
    Then the order is filled
    And it fills at a better price than its limit
    And it fills at $45.10 or better

  @allure.label.story:partial-fills
  @needs:clock
  Scenario: Each match fills at most a part of what remains
    Given each match fills at most 50% of what remains
    When alice buys 1,000 ACME at market
    Then the first fill is for 500 shares
    When 1 second passes
    Then the order is filled
    And 1,000 shares are filled

  @allure.label.story:trailing-stop @allure.severity:critical
  @needs:clock
  Scenario Outline: A trailing stop follows the price up and sells on the way down
    Given alice holds 100 ACME
    When alice sells 100 ACME on a trailing stop <trail> below the market
    And ACME gaps up 10%
    And 1 second passes
    And ACME gaps down 1%
    And 1 second passes
    Then the order is resting
    When ACME gaps down 5%
    And 1 second passes
    Then the order is filled
    And it fills at $51.50 or better

    Examples: By an amount or a percentage
      | trail |
      | $1.00 |
      | 2%    |
