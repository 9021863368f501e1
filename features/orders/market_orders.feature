@epic:execution @feature:market-orders
@allure.label.epic:execution @allure.label.feature:market-orders
@needs:control @needs:fills
Feature: Market orders pay for the liquidity they take
  A market order takes what the book offers, level by level. The deeper it has to go,
  the worse its average price. Slippage is measured against the mid price when the order was sent.

  Background:
    Given the account "alice" with $1,000,000 cash
    And ACME trades around $50.00 with a spread of 2 cents

  @allure.label.story:calm-market @allure.severity:critical
  Scenario: A small order in a calm market barely moves
    Given a normal market
    When alice buys 100 ACME at market
    Then the order is filled
    And it fills with slippage below 5 bps
    And it fills at an average price between $49.90 and $50.10

  @allure.label.story:product-example @allure.severity:critical
  Scenario: The product example, word for word
    Given a flash crash
    When I submit a market order
    Then it fills with slippage above 50 bps

  @allure.label.story:liquidity-crisis
  Scenario: A large order in a liquidity crisis fills only in part
    Given the account "alice" with $5,000,000 cash
    And a liquidity crisis on ACME
    When alice buys 50,000 ACME at market, immediate or cancel
    Then the order is partially filled
    And the unfilled rest is canceled

  @allure.label.story:book-walking
  Scenario: A large order walks the book and pays more than the half spread
    Given 500 shares are displayed at the best price
    When alice buys 5,000 ACME at market
    Then the order is filled
    And it fills with slippage above 4 bps

  @allure.label.story:selling
  Scenario: A market sell receives the bid
    Given alice holds 1,000 ACME
    When alice sells 1,000 ACME at market
    Then the order is filled
    And it fills at $49.90 or better
    And it fills with slippage below 5 bps
    And alice has no ACME position

  @allure.label.story:venue-fees
  Scenario: The venue's extra slippage shows in every fill
    Given every fill costs an extra 25 bps
    When alice buys 100 ACME at market
    Then the order is filled
    And it fills with slippage at least 25 bps
