@epic:execution @feature:execution-costs
@allure.label.epic:execution @allure.label.feature:execution-costs
@needs:control @needs:fills
Feature: What a fill costs: the spread, the book, market impact, and fees
  A market order pays half the spread and whatever depth it takes. A large one pays at least what the
  square-root law says (volatility x the square root of its share of the daily volume), and part of that impact
  stays in the price afterwards. Fees are per share with a minimum per order, or in basis points.

  Background:
    Given the account "alice" with $20,000,000 cash
    And prices move about 2% on a typical day

  @allure.label.story:calm-market
  Scenario: A small order in a normal market slips less than 5 bps
    Given a normal market
    When alice buys 100 ACME at market
    Then the order is filled
    And it fills with slippage below 5 bps

  @allure.label.story:square-root-law @allure.severity:critical
  Scenario Outline: A large order pays the square-root impact, even in a deep book
    Given 10,000,000 shares are displayed at the best price
    When alice buys <shares> ACME at market
    Then the order is filled
    And it fills with slippage between <at least> and <at most>

    Examples: 2% a day, 5,000,000 shares a day: 2% x sqrt(shares / 5,000,000)
      | shares  | at least | at most |
      | 50,000  | 19 bps   | 23 bps  |
      | 200,000 | 39 bps   | 43 bps  |

  @allure.label.story:square-root-law
  Scenario: Without market impact a deep book fills a large order at the touch
    Given 10,000,000 shares are displayed at the best price
    And trades leave no market impact
    When alice buys 200,000 ACME at market
    Then the order is filled
    And it fills with slippage below 5 bps

  @allure.label.story:liquidity-crisis @allure.severity:critical
  @needs:clock
  Scenario: A large order in a liquidity crisis fills a little at a time
    Given a liquidity crisis on ACME
    When alice buys 50,000 ACME at market
    Then the order is partially filled
    And the order is still open
    When 30 seconds pass
    Then at least 5,000 shares are filled
    And the order is still open

  @allure.label.story:permanent-impact
  @needs:clock
  Scenario: A large buy leaves the price higher than it found it
    Given 10,000,000 shares are displayed at the best price
    And a trade's lasting impact on the price is 100% of the square-root law
    When alice buys 200,000 ACME at market
    And 1 second passes
    Then ACME has risen by at least 0.3%

  @allure.label.story:product-example @allure.severity:critical
  Scenario: A flash crash blows the spread out 40 times, so a market buy pays half of it
    Given a flash crash
    When I submit a market order
    Then the ACME spread is above 150 bps
    And it fills with slippage above 50 bps

  @allure.label.story:fees
  Scenario: A commission per share with a minimum per order
    Given a commission of $0.005 per share, at least $1.00 per order
    When alice buys 100 ACME at market
    Then the order's fees are $1.00
    And alice has paid $1.00 in fees
    And alice's cash reconciles with the fills

  @allure.label.story:fees
  Scenario: A commission in basis points of the traded value
    Given ACME trades around $50.00 with a spread of 2 cents
    And a commission of 10 bps of the traded value
    And trades leave no market impact
    When alice buys 1,000 ACME at market
    Then the order's fees are $50.01
    And alice's cash reconciles with the fills
