@epic:newcomer @feature:common-broker-behaviours
@allure.label.epic:newcomer @allure.label.feature:common-broker-behaviours
@needs:control
Feature: What a newcomer expects of any broker
  Written the way a QA engineer new to the project writes them: from docs/steps.md alone, with the units and
  the first-person forms the catalog allows. Each scenario is one behaviour every broker has; together they
  check that the catalog is enough to write scenarios that run, on every target.

  Background:
    Given the account "quinn" with $100,000 cash

  @allure.label.story:market-orders @allure.severity:critical
  @needs:fills
  Scenario: A market buy fills and the cash pays for it to the cent
    When I buy 100 ACME at market
    Then the order is filled
    And I hold 100 ACME
    And my cash fell by the cost of my fills

  @allure.label.story:limit-orders
  @needs:clock @needs:fills
  Scenario: A buy limit below the market waits, then fills when the price comes down to it
    When I buy 100 ACME with a limit of $49.00
    Then the order is resting
    When ACME gaps down 5%
    And 1 second passes
    Then the order is filled
    And it fills at $49.00 or better

  @allure.label.story:cancel @allure.severity:critical
  @needs:fills
  Scenario: A resting sell limit can be cancelled before it fills
    Given I hold 200 ACME
    When I sell 200 ACME with a limit of $60.00
    And I cancel the order
    Then the order is canceled
    And nothing is filled
    And I hold 200 ACME

  @allure.label.story:buying-power @allure.severity:critical
  @needs:fills
  Scenario: An order bigger than the cash is refused before it reaches the market
    When I buy 10,000 ACME at market
    Then the order is refused because of insufficient buying power
    And my cash is unchanged

  @allure.label.story:bad-input
  @needs:fills
  Scenario: A symbol the broker does not list is refused
    When I buy 10 ZZZZ at market
    Then the order is refused because of an unknown symbol

  @allure.label.story:short-selling
  @needs:fills
  Scenario: A hard-to-borrow stock cannot be sold short
    Given ACME may not be sold short
    When I sell 100 ACME at market
    Then the order is refused because of a short sale that is not allowed
    And I have no ACME position

  @allure.label.story:stop-orders
  @needs:clock @needs:fills
  Scenario: A stop loss sells when the price falls through it
    Given I hold 100 ACME
    When I sell 100 ACME on a stop at $48.00
    Then the order is resting
    When ACME gaps down 6%
    And 1 second passes
    Then the order is filled
    And I have no ACME position

  @allure.label.story:time-in-force
  @needs:fills
  Scenario Outline: What the thin book cannot fill is cancelled at once for IOC and FOK
    Given only 1,000 ACME are offered
    When I buy 1,500 ACME at market, <time in force>
    Then <filled> shares are filled
    And the order is canceled

    Examples: The book holds 1,000 shares
      | time in force       | filled |
      | immediate or cancel | 1,000  |
      | fill or kill        | 0      |

  @allure.label.story:time-in-force
  @needs:clock @needs:fills
  Scenario: A day order expires at the close, a good-till-cancelled one stays
    Given prices update once a minute
    When I place these orders:
      | side | shares | type  | limit price | time in force      |
      | buy  | 100    | limit | $40.00      | day                |
      | buy  | 100    | limit | $41.00      | good till canceled |
    And the market closes
    Then my orders are:
      | side | shares | status  |
      | buy  | 100    | expired |
      | buy  | 100    | resting |

  @allure.label.story:halts
  @needs:fills
  Scenario: A halted stock takes no new orders until trading resumes
    Given trading in ACME is halted
    When I buy 100 ACME at market
    Then the order is refused because of a trading halt
    When trading in ACME resumes
    And I buy 100 ACME at market
    Then the order is filled

  @allure.label.story:fees
  @needs:fills
  Scenario: A per-share commission with a minimum is charged on the order
    Given a commission of $0.005 per share, at least $1.00 per order
    When I buy 100 ACME at market
    Then the order's fees are $1.00
    And I have paid $1.00 in fees
    And my cash reconciles with the fills

  @allure.label.story:replace
  @needs:fills
  Scenario: Changing the quantity of a resting order replaces it
    When I buy 300 ACME with a limit of $45.00
    And I change the quantity to 100
    Then the order is resting
    And my orders are:
      | side | shares | status   |
      | buy  | 300    | replaced |
      | buy  | 100    | resting  |

  @allure.label.story:ownership @allure.severity:critical
  @needs:fills
  Scenario: Nobody can cancel another account's order
    Given the account "rita" with $100,000 cash
    When rita buys 100 ACME with a limit of $45.00
    And quinn cancels the order
    Then quinn's cancel is refused because the order is not found
    And the order is still open

  @allure.label.story:slippage
  @needs:fills
  Scenario: A market order in a flash crash pays a lot of slippage
    Given a flash crash
    When I submit a market order
    Then it fills with slippage above 50bps

  @allure.label.story:slippage
  @needs:fills
  Scenario: A small order in a calm market barely slips
    Given a normal market
    When I buy 100 ACME at market
    Then it fills with slippage below 0.05%

  @allure.label.story:round-trip
  @needs:fills
  Scenario: Buying then selling everything leaves no position and cash that reconciles
    When I buy 500 ACME at market
    And I sell 500 ACME at market
    Then I have no ACME position
    And my cash reconciles with the fills

  @allure.label.story:latency
  @needs:clock @needs:fills
  Scenario: An order on its way is accepted, and fills once it reaches the market
    Given orders reach the venue after 250 ms
    When I send an order to buy 100 ACME at market
    Then the order is accepted
    And nothing is filled
    When the order reaches the venue
    Then the order is filled

  @allure.label.story:determinism @allure.severity:critical
  @needs:clock @needs:fills
  Scenario: The same seed gives the same fills when the scenario runs again
    Given a volatile market
    When I buy 1,000 ACME at market
    And 2 minutes pass
    And I sell 400 ACME at market
    Then a rerun of the scenario with the same seed gives the same fills

  @allure.label.story:streams
  @needs:clock @needs:streams @needs:fills
  Scenario: My client hears about the fill as it happens
    When I watch my order updates
    And I buy 100 ACME at market
    Then my client receives a fill update for the order within 100 ms of simulated time

  @allure.label.story:rate-limits
  @needs:faults
  Scenario: Too many requests are refused with a time to wait
    Given the broker allows 3 requests per minute
    When I check the account 3 times
    Then no request failed
    And the next request is refused as rate limited and may retry after 20 seconds

  @allure.label.story:buying-power
  @needs:fills
  Scenario: An open buy order holds back buying power
    When I buy 1,000 ACME with a limit of $45.00
    Then my buying power has dropped by at least $45,000.00
    And my cash is unchanged

  @allure.label.story:positions
  @needs:fills
  Scenario: Closing a position sells all of it
    Given I hold 300 ACME
    When I close the ACME position
    Then the order is filled
    And I have no ACME position
    And my cash rose by the proceeds of my fills
