@conformance @epic:conformance @feature:refusals
@allure.label.epic:conformance @allure.label.feature:refusals
Feature: Any broker refuses bad orders at once, with the reason a trader needs
  The conformance profile: bad input is refused before it reaches the market, with the typed error and
  reason the engine would give, whatever broker is behind the adapter.

  @allure.label.story:bad-input @allure.severity:critical
  Scenario Outline: An order for no shares, or fewer than none, is refused
    When I buy <shares> with a limit far below the market
    Then the order is refused because of an invalid quantity

    Examples: Quantities no broker takes
      | shares   |
      | 0 shares |
      | -1 share |

  @allure.label.story:bad-input @allure.severity:critical
  Scenario: An order for a symbol no exchange lists is refused
    When I buy 1 share of a symbol no exchange lists
    Then the order is refused because of an unknown symbol

  @allure.label.story:bad-input @allure.severity:critical
  Scenario: A limit order without a limit price is refused
    When I send a limit order for 1 share without a limit price
    Then the order is refused because of a missing limit price

  @allure.label.story:bad-input
  Scenario: A stop order without a stop price is refused
    When I send a stop order for 1 share without a stop price
    Then the order is refused because of a missing stop price

  @allure.label.story:bad-input
  Scenario: A limit price in fractions of a cent is refused
    When I buy 1 share with a limit far below the market, in fractions of a cent
    Then the order is refused because of a price off the tick

  @allure.label.story:buying-power @allure.severity:critical
  Scenario: An order that costs more than the buying power is refused, and nothing changes
    When I try to buy more shares than my buying power covers
    Then the order is refused because of insufficient buying power
    And my cash is unchanged
