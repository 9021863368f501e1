@epic:accounts @feature:closing-positions
@allure.label.epic:accounts @allure.label.feature:closing-positions
@needs:control @needs:fills
Feature: Closing part of a position, or every position at once
  A position can be closed in part (a number of shares, or a percentage: whole shares, rounded down, unless the
  position itself is fractional) or in full; closing all positions sends one market order per position and can
  cancel the open orders first.

  Background:
    Given the account "alice" with $100,000 cash
    And ACME trades around $50.00
    And BOLT trades around $20.00
    And alice holds 100 ACME
    And alice holds 300 BOLT

  @allure.label.story:partial-close @allure.severity:critical
  Scenario: Closing a percentage of a position
    When alice closes 25% of the ACME position
    Then the order is filled
    And alice holds 75 ACME

  @allure.label.story:partial-close
  Scenario: Closing a number of shares of a position
    When alice closes 40 shares of the BOLT position
    Then alice holds 260 BOLT

  @allure.label.story:partial-close
  Scenario: A percentage of whole shares rounds down to whole shares
    When alice closes 33% of the ACME position
    Then alice holds 67 ACME

  @allure.label.story:partial-close
  Scenario: Closing more shares than are held is refused
    When alice closes 150 shares of the ACME position
    Then the order is refused because of not enough shares to close
    And alice holds 100 ACME

  @allure.label.story:close-all @allure.severity:critical
  Scenario: Closing all positions
    When alice closes all positions
    Then every position was closed
    And alice has no positions
    And alice has realized a loss

  @allure.label.story:close-all
  Scenario: Closing all positions cancels the open orders first
    When alice sells 100 ACME with a limit of $60.00, good till canceled
    And alice closes all positions, canceling open orders first
    Then every position was closed
    And alice has no positions
