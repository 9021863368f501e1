@conformance @epic:conformance @feature:account
@allure.label.epic:conformance @allure.label.feature:account
Feature: Any broker reports an account whose balances add up
  The conformance profile: what every broker adapter must show, safe on a real paper account.
  An account's balances are exact amounts of money, and placing and canceling an order that cannot
  fill leaves its cash where it was.

  @allure.label.story:balances @allure.severity:critical
  Scenario: The account reports its balances as amounts of money
    Then my account shows its cash, buying power and equity as amounts of money

  @allure.label.story:balances
  Scenario: Equity is the cash plus the market value of the positions
    Then my equity is the cash plus the market value of the positions

  @allure.label.story:balances
  Scenario: An order that rests and is canceled leaves the cash where it was
    When I buy 1 share with a limit far below the market
    And I cancel the order
    Then the order is canceled
    And my cash is unchanged

  @allure.label.story:balances
  Scenario: Balances still add up while an order rests
    When I buy 1 share with a limit far below the market
    Then the order is resting
    And my account shows its cash, buying power and equity as amounts of money
    And my equity is the cash plus the market value of the positions
