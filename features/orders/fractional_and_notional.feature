@epic:orders @feature:fractional-and-notional
@allure.label.epic:orders @allure.label.feature:fractional-and-notional
@needs:control @needs:fills
Feature: Dollar amounts and fractional shares
  A market order can be for an amount of dollars (the venue works out the shares) or for a fraction of a share,
  up to 9 decimal places, as day orders. Positions, cash and P&L stay exact to the last place.

  Background:
    Given the account "alice" with $100,000 cash

  @allure.label.story:notional @allure.severity:critical
  Scenario: Buying a dollar amount gives a fractional position worth that amount
    When alice buys $1,000.00 of ACME at market
    Then the order is filled
    And the order's value is within $0.05 of $1,000.00
    And alice holds a fraction of a share of ACME
    And alice's cash reconciles with the fills

  @allure.label.story:fractional @allure.severity:critical
  Scenario: Fractional shares are bought and sold exactly
    When alice buys 2.5 shares of ACME at market
    Then the order is filled
    And alice holds 2.5 shares of ACME
    When alice sells 1.25 shares of ACME at market
    Then alice holds 1.25 shares of ACME
    And alice's cash reconciles with the fills

  @allure.label.story:fractional
  Scenario: Fractions add up to whole shares
    When alice buys 0.5 shares of ACME at market
    And alice buys 0.5 shares of ACME at market
    Then alice holds 1 ACME

  @allure.label.story:notional-validation
  Scenario: A dollar amount below $1 is refused
    When alice buys $0.50 of ACME at market
    Then the order is refused because of an amount below one dollar

  @allure.label.story:fractional-validation
  Scenario: A symbol that is not fractionable refuses fractional shares
    Given BOLT trades around $20.00 and is not fractionable
    When alice buys 0.5 shares of BOLT at market
    Then the order is refused because of fractional shares not allowed
