@epic:execution @feature:trading-calendar
@allure.label.epic:execution @allure.label.feature:trading-calendar
@needs:clock @needs:control @needs:fills
Feature: The market keeps the New York Stock Exchange's calendar
  Sessions follow the NYSE calendar: no trading on holidays, a 13:00 close on early-close days (the day after
  Thanksgiving, Christmas Eve), 09:30 to 16:00 New York time otherwise. Day orders expire at the close, whenever it
  comes.

  Background:
    Given the account "alice" with $100,000 cash
    And prices update once a minute

  @allure.label.story:holidays @allure.severity:critical
  Scenario: On Independence Day (observed) the market stays closed
    Given the trading day is 2026-07-03
    Then the market is closed
    And the next session opens on 2026-07-06 at 09:30
    When alice buys 100 ACME at market, fill or kill
    Then the order is refused because of a closed market

  @allure.label.story:holidays
  Scenario: A market order sent on a holiday fills at the next session's open
    Given the trading day is 2026-07-03
    When alice buys 100 ACME at market
    Then the order is queued for the open
    When the market opens
    Then the order is filled
    And the order filled at 09:30 New York time on 2026-07-06

  @allure.label.story:holidays
  Scenario: A limit order sent on a holiday waits for the next session
    Given the trading day is 2026-07-03
    When alice buys 100 ACME with a limit of $55.00
    Then the order is queued for the open
    When the market opens
    Then the order is filled

  @allure.label.story:early-close @allure.severity:critical
  Scenario: The day after Thanksgiving closes at 13:00 and day orders expire then
    Given the trading day is 2026-11-27
    Then the market is open
    And today's session closes at 13:00
    When alice buys 100 ACME with a limit of $45.00
    And the market closes
    Then the order is expired
    And the order expired at 13:00 New York time

  @allure.label.story:early-close
  Scenario: A good-till-canceled order works through the early close
    Given the trading day is 2026-12-24
    When alice buys 100 ACME with a limit of $45.00, good till canceled
    And the market closes
    Then the order is resting
    And the next session opens on 2026-12-28 at 09:30
