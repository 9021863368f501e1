@epic:execution @feature:limit-and-stop-orders
@allure.label.epic:execution @allure.label.feature:limit-and-stop-orders
@needs:control @needs:fills
Feature: Limit and stop orders trade only at the trader's price
  A limit order never fills at a worse price than its limit. A marketable limit fills at once;
  one away from the market waits. A stop order wakes up when the price reaches its stop.

  Background:
    Given the account "alice" with $1,000,000 cash
    And ACME trades around $50.00

  @allure.label.story:limit-orders @allure.severity:critical
  Scenario Outline: A limit order fills at its limit or better
    When alice <side> 100 ACME with a limit of <limit>
    Then the order is <status>
    And <filled> shares are filled

    Examples: Limits against a $50.00 market
      | side  | limit  | status  | filled |
      | buys  | $50.50 | filled  | 100    |
      | buys  | $49.00 | resting | 0      |
      | sells | $49.50 | filled  | 100    |
      | sells | $51.00 | resting | 0      |

  @allure.label.story:limit-orders
  Scenario: A marketable buy limit never pays more than its limit
    When alice buys 2,000 ACME with a limit of $50.05
    Then it fills at $50.05 or better

  @allure.label.story:stop-orders
  Scenario: A sell stop below the market waits for the price to fall
    Given alice holds 100 ACME
    When alice sells 100 ACME on a stop at $45.00
    Then the order is resting
    And nothing is filled

  @allure.label.story:stop-orders @allure.severity:critical
  @needs:clock
  Scenario: A gap through the stop triggers the sell
    Given alice holds 100 ACME
    When alice sells 100 ACME on a stop at $48.00
    And ACME gaps down 5%
    And 10 seconds pass
    Then the order is filled
    And alice has no ACME position

  @allure.label.story:stop-orders
  @needs:clock
  Scenario: A stop limit triggered by a gap below its limit does not chase the price
    Given alice holds 100 ACME
    When alice sells 100 ACME on a stop at $48.00 limited to $47.90
    And ACME gaps down 10%
    And 10 seconds pass
    Then nothing is filled
    And the order is still open
