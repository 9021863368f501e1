@epic:market-data @feature:quotes-and-book
@allure.label.epic:market-data @allure.label.feature:quotes-and-book
@needs:control
Feature: Quotes, the order book and bars describe a coherent market
  The quote is never crossed, the book lists the best prices first, and every bar's
  high and low contain its open and close.

  Background:
    Given ACME trades around $50.00

  @allure.label.story:quotes @allure.severity:critical
  Scenario: A calm market quotes a tight spread around its price
    Given the spread is 4 bps
    Then the ACME bid is below the ask
    And the ACME spread is at most 5 bps
    And ACME trades within 0.1% of $50.00

  @allure.label.story:quotes
  Scenario Outline: The quoted spread follows the configured spread
    Given the spread is <configured>
    Then the ACME spread is at least <at least>
    And the ACME spread is at most <at most>

    Examples: Spreads in basis points
      | configured | at least | at most |
      | 4 bps      | 2 bps    | 6 bps   |
      | 20 bps     | 18 bps   | 22 bps  |
      | 100 bps    | 98 bps   | 102 bps |

  @allure.label.story:order-book
  Scenario: The order book is sorted best price first and has depth
    Then the ACME order book shows at least 5 price levels on each side
    And the ACME order book lists the best prices first

  @allure.label.story:order-book
  Scenario: A thin book offers no more than it was given
    Given only 1,000 ACME are offered
    Then at most 1,000 ACME are offered

  @allure.label.story:bars @allure.severity:critical
  @needs:clock
  Scenario: Time passing builds consistent one-minute bars
    When 10 minutes pass
    Then ACME has at least 10 one-minute bars
    And every ACME bar's high and low contain its open and close
    And the ACME bid is below the ask

  @allure.label.story:quotes
  Scenario: Several symbols trade at their own prices
    Given MEGA trades around $200.00
    Then MEGA trades within 0.5% of $200.00
    And ACME trades within 0.5% of $50.00
