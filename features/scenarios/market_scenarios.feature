@epic:scenarios @feature:market-scenarios
@allure.label.epic:scenarios @allure.label.feature:market-scenarios
@needs:control
Feature: Named scenarios put the market in a known condition
  The product's scenarios -- normal, volatile, trending, range, flash crash, no liquidity, failure --
  and market events (halts, gaps, volatility spikes) set the conditions a strategy must survive.

  Background:
    Given the account "alice" with $1,000,000 cash
    And ACME trades around $50.00

  @allure.label.story:flash-crash @allure.severity:critical
  @needs:clock
  Scenario: A flash crash drops the price within minutes
    Given a flash crash
    When 14 minutes pass
    Then ACME has fallen by at least 3%

  @allure.label.story:flash-crash
  Scenario: The flash crash scenario blows out the spread at once
    Given the "flash_crash" scenario
    Then the ACME spread is above 50 bps

  @allure.label.story:flash-crash
  @needs:clock
  Scenario: A deeper flash crash hurts more
    Given a flash crash on ACME of 15%
    When 14 minutes pass
    Then ACME has fallen by at least 11%

  @allure.label.story:no-liquidity @allure.severity:critical
  @needs:fills
  Scenario: With no liquidity, a large immediate order cannot fill completely
    Given the "no_liquidity" scenario
    When alice buys 10,000 ACME at market, fill or kill
    Then nothing is filled
    And the order is canceled

  @allure.label.story:halts @allure.severity:critical
  @needs:fills
  Scenario: Trading resumes after a halt
    Given trading in ACME is halted
    When trading in ACME resumes
    And alice buys 100 ACME at market
    Then ACME is trading
    And the order is filled

  @allure.label.story:halts
  @needs:fills
  Scenario: A halt during the session stops new orders
    When trading in ACME is halted
    And alice buys 100 ACME at market
    Then the order is refused because of a trading halt

  @allure.label.story:gaps
  Scenario Outline: A gap moves the price at once
    When ACME gaps <direction> <size>
    Then ACME has <moved> by at least <at least>

    Examples: Overnight news
      | direction | size | moved  | at least |
      | down      | 5%   | fallen | 4.5%     |
      | up        | 5%   | risen  | 4.5%     |
      | down      | 20%  | fallen | 19%      |

  @allure.label.story:volatility
  @needs:clock
  Scenario: A volatility spike makes the market more volatile
    Given a volatility spike on ACME
    When 1 minute passes
    Then ACME is more volatile than at the start

  @allure.label.story:volatile
  Scenario: A volatile market quotes wider spreads than a normal one
    Given the spread is 4 bps
    And a volatile market
    Then the ACME spread is above 6 bps

  @allure.label.story:failure
  @needs:fills
  Scenario: An unreliable venue rejects some orders but never loses one
    Given the "failure" scenario
    When alice places these orders:
      | side | shares |
      | buy  | 10     |
      | buy  | 10     |
      | buy  | 10     |
      | buy  | 10     |
      | buy  | 10     |
      | buy  | 10     |
      | buy  | 10     |
      | buy  | 10     |
    Then alice's cash reconciles with the fills
