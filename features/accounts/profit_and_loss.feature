@epic:accounts @feature:profit-and-loss
@allure.label.epic:accounts @allure.label.feature:profit-and-loss
@needs:control
Feature: Profit and loss follow the price
  Unrealized P&L marks open positions to the market; selling turns it into realized P&L.

  Background:
    Given the account "alice" with $1,000,000 cash
    And ACME trades around $50.00

  @allure.label.story:realized @allure.severity:critical
  @needs:fills
  Scenario: Selling after the price gaps up realizes a profit
    Given alice holds 1,000 ACME
    When ACME gaps up 10%
    And alice sells 1,000 ACME at market
    Then alice has realized a profit
    And alice has no ACME position

  @allure.label.story:realized
  @needs:fills
  Scenario: Selling after the price gaps down realizes a loss
    Given alice holds 1,000 ACME
    When ACME gaps down 10%
    And alice sells 1,000 ACME at market
    Then alice has realized a loss

  @allure.label.story:unrealized
  Scenario: A short position loses when the price rises
    Given alice is short 500 ACME
    When ACME gaps up 5%
    Then alice has an unrealized loss
    And alice is short 500 ACME

  @allure.label.story:equity
  @needs:fills
  Scenario: Equity stays near the starting cash right after buying
    When alice buys 1,000 ACME at market
    Then alice's equity is within $100.00 of $1,000,000.00
