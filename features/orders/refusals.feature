@epic:execution @feature:order-validation
@allure.label.epic:execution @allure.label.feature:order-validation
@needs:control @needs:fills
Feature: The broker refuses orders it cannot accept, and says why
  Bad input is refused at once, before anything changes, with a reason a trader understands.

  Background:
    Given the account "alice" with $10,000 cash

  @allure.label.story:buying-power @allure.severity:critical
  Scenario: An order larger than the cash is refused
    When alice buys 1,000 ACME at market
    Then the order is refused because of insufficient buying power
    And alice's cash is unchanged
    And alice has no ACME position

  @allure.label.story:bad-input @allure.severity:critical
  Scenario Outline: Malformed orders are refused with a reason
    When alice <order>
    Then the order is refused because of <reason>

    Examples: What a trader can get wrong
      | order                                      | reason               |
      | buys 0 ACME at market                      | an invalid quantity  |
      | buys -5 ACME at market                     | an invalid quantity  |
      | buys 10 ZZZZ at market                     | an unknown symbol    |
      | buys 10 ACME with a limit of $49.995       | a price off the tick |
      | sells 10 ACME on a stop at $0.00           | an invalid price     |

  @allure.label.story:bad-input
  Scenario: An order for an account that does not exist is refused
    When mallory buys 10 ACME at market
    Then the order is refused because of an unknown account

  @allure.label.story:halts @allure.severity:critical
  Scenario: Orders are refused while trading is halted
    Given trading in ACME is halted
    When alice buys 10 ACME at market
    Then the order is refused because of a trading halt
    And ACME is halted

  @allure.label.story:short-selling
  Scenario: An account that may not sell short cannot sell what it does not hold
    Given the account "alice" may not sell short
    When alice sells 100 ACME at market
    Then the order is refused because of a short sale that is not allowed

  @allure.label.story:bad-input
  Scenario: A limit order without a limit price is refused
    When alice places these orders:
      | side | shares | type  | limit price |
      | buy  | 10     | limit |             |
    Then the order is refused because of a missing limit price

  @allure.label.story:short-selling
  Scenario: An account that may not sell short cannot sell more than it holds
    Given the account "alice" may not sell short
    And alice holds 10 ACME
    When alice sells 100 ACME at market
    Then the order is refused because of a short sale that is not allowed
    And alice holds 10 ACME

  @allure.label.story:short-selling
  Scenario: A symbol that may not be sold short cannot be sold short
    Given ACME may not be sold short
    When alice sells 100 ACME at market
    Then the order is refused because of a short sale that is not allowed

  @allure.label.story:venue-rejections
  Scenario: A venue that rejects every order rejects ours, with a reason
    Given the venue rejects 100% of orders
    When alice buys 10 ACME at market
    Then the order is rejected by the venue
    And nothing is filled
    And alice's cash is unchanged
