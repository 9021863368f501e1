@epic:orders @feature:bracket-orders
@allure.label.epic:orders @allure.label.feature:bracket-orders
@needs:clock @needs:control @needs:fills
Feature: Bracket and OTO orders enter a position with its exits attached
  A bracket order is an entry with a take profit (a limit order) and a stop loss (a stop order) on the other side.
  The exits are held until the entry has filled, then both work at the venue; whichever fills first cancels the
  other. Prices are in dollars; ACME starts at $50.00.

  Background:
    Given the account "alice" with $100,000 cash

  @allure.label.story:bracket @allure.severity:critical
  Scenario: The exits are held until the entry fills, then both work
    Given orders reach the venue after 200 ms
    When alice buys 100 ACME at market with a take profit at $55.00 and a stop loss at $47.00
    Then the order is filled
    And the take profit and the stop loss are held
    And the take profit and the stop loss are for 100 shares
    When 1 second passes
    Then the take profit is resting
    And the stop loss is resting

  @allure.label.story:bracket
  Scenario: A limit entry that has not filled keeps its exits held
    When alice buys 100 ACME with a limit of $45.00, a take profit at $55.00 and a stop loss at $44.00
    Then the order is resting
    And the take profit and the stop loss are held

  @allure.label.story:bracket @allure.severity:critical
  Scenario: A crash triggers the stop loss, which cancels the take profit
    When alice buys 100 ACME at market with a take profit at $55.00 and a stop loss at $47.00
    And 1 second passes
    And ACME gaps down 10%
    And 1 second passes
    Then the stop loss is filled
    And the take profit is canceled
    And alice has no ACME position
    And alice has realized a loss
    And alice's cash reconciles with the fills

  @allure.label.story:bracket
  Scenario: A rally fills the take profit, which cancels the stop loss
    When alice buys 100 ACME at market with a take profit at $55.00 and a stop loss at $47.00
    And 1 second passes
    And ACME gaps up 12%
    And 1 second passes
    Then the take profit is filled
    And the stop loss is canceled
    And alice has no ACME position
    And alice has realized a profit

  @allure.label.story:bracket @allure.severity:critical
  Scenario: Held exits do not tie up the shares already held
    Given alice holds 100 ACME
    When alice buys 100 ACME with a limit of $45.00, a take profit at $55.00 and a stop loss at $44.00
    Then the take profit and the stop loss are held
    When alice closes the ACME position
    Then the order is filled
    And alice has no ACME position

  @allure.label.story:bracket
  Scenario: Once the entry fills, its exits hold the shares they close
    Given alice holds 100 ACME
    When alice buys 100 ACME at market with a take profit at $55.00 and a stop loss at $47.00
    And 1 second passes
    Then the take profit is resting
    And alice holds 200 ACME
    When alice closes the ACME position
    Then the order is refused because of not enough shares to close
    When alice closes 100 shares of the ACME position
    Then the order is filled
    And alice holds 100 ACME

  @allure.label.story:bracket
  Scenario: Canceling the entry cancels its held exits
    When alice buys 100 ACME with a limit of $45.00, a take profit at $55.00 and a stop loss at $44.00
    And alice cancels the order
    Then the order is canceled
    And the take profit and the stop loss are canceled

  @allure.label.story:bracket
  Scenario: The stop loss can be moved
    When alice buys 100 ACME at market with a take profit at $55.00 and a stop loss at $47.00
    And 1 second passes
    And alice moves the stop loss to $48.50
    And ACME gaps down 4%
    And 1 second passes
    Then the stop loss is filled
    And the take profit is canceled
    And alice has no ACME position

  @allure.label.story:bracket-validation
  Scenario: A take profit below the stop loss is refused
    When alice buys 100 ACME at market with a take profit at $45.00 and a stop loss at $47.00
    Then the order is refused because of a take profit on the wrong side of the stop loss

  @allure.label.story:oto
  Scenario: An OTO order attaches only a stop loss
    When alice buys 100 ACME at market with a stop loss at $47.00
    And 1 second passes
    Then the stop loss is resting
    When ACME gaps down 10%
    And 1 second passes
    Then the stop loss is filled
    And alice has no ACME position
