@epic:market-simulation @feature:microstructure-and-events
@allure.label.epic:market-simulation @allure.label.feature:microstructure-and-events
@needs:control
@needs:clock @needs:engine
Feature: Spreads, volume and market events behave as on a real venue
  Thin books quote wide, trading is heaviest at the open and the close, and events -- a flash crash of a given
  depth and speed, a halt that comes and goes, a split, a dividend -- change prices and positions as they do
  at a real broker.

  Background:
    Given the account "alice" with $1,000,000 cash
    And ACME trades around $50.00

  @allure.label.story:spread
  Scenario: A thin book quotes a wider spread
    Given the spread is 4 bps
    And 100 shares are displayed at the best price
    Then the ACME spread is above 8 bps

  @allure.label.story:volume-profile
  @needs:clock
  Scenario: Trading is heaviest near the open and the close
    Given prices update every second
    When 6.5 hours pass
    Then ACME trades more near the open and the close than at midday
    And a price chart of ACME is attached to the report

  @allure.label.story:flash-crash @allure.severity:critical
  @needs:clock
  Scenario: A flash crash reaches its depth within its duration, then wins half of it back
    Given prices follow a random walk
    And a flash crash of 8% over 3 minutes
    When 3 minutes pass
    Then ACME has fallen by at least 7%
    When 5 minutes pass
    Then ACME trades within 1% of $48.00
    And a price chart of ACME is attached to the report

  @allure.label.story:flash-crash
  Scenario: A flash crash shaped like 6 May 2010 falls faster and faster, then most of it comes back
    Given prices follow a random walk
    And a flash crash
    When 7 minutes pass
    Then ACME trades within 1% of $50.00
    When 7 minutes pass
    Then ACME has fallen by at least 3%
    When 23 minutes pass
    Then ACME trades within 1.5% of $50.00
    And a price chart of ACME is attached to the report

  @allure.label.story:flash-crash
  Scenario: A flash crash with stub quotes prints absurd prices near the bottom
    Given a flash crash with stub-quote prints
    When 16 minutes pass
    Then some ACME trades printed at $0.01
    And the ACME bid is below the ask

  @allure.label.story:flash-crash
  @needs:clock
  Scenario: A fast crash in the middle of the session
    When 1 minute passes
    And ACME crashes 12% over 30 seconds
    And 30 seconds pass
    Then ACME has fallen by at least 11%

  @allure.label.story:halts
  @needs:clock
  Scenario: A halt scheduled for later starts and lifts by itself
    Given trading in ACME halts after 1 minute for 5 minutes
    When 2 minutes pass
    Then ACME is halted
    When 5 minutes pass
    Then ACME is trading

  @allure.label.story:corporate-actions @allure.severity:critical
  Scenario: A two-for-one split doubles the shares and halves the price
    Given alice holds 100 ACME
    When ACME splits 2-for-1
    Then alice holds 200 ACME
    And ACME trades within 0.5% of $25.00

  @allure.label.story:corporate-actions
  Scenario: A three-for-two split pays the fraction of a share in cash
    Given alice holds 101 ACME
    When ACME splits 3-for-2
    Then alice holds 151 ACME

  @allure.label.story:corporate-actions
  @needs:fills
  Scenario: A split cancels the orders still open in the symbol
    When alice buys 100 ACME with a limit of $45.00
    And ACME splits 2-for-1
    Then the order is canceled
    And nothing is filled

  @allure.label.story:corporate-actions @allure.severity:critical
  Scenario: A dividend pays holders, charges short sellers and drops the price
    Given the account "bob" with $1,000,000 cash
    And alice holds 100 ACME
    And bob is short 100 ACME
    When ACME pays a dividend of $0.50 a share
    Then alice is paid $50.00 in dividends
    And bob pays $50.00 in dividends
    And ACME trades within 0.5% of $49.50
