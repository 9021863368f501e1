@epic:accounts @feature:balances
@allure.label.epic:accounts @allure.label.feature:balances
@needs:control
Feature: Cash, positions and P&L follow every fill to the cent
  Each account has its own cash, positions and P&L. A buy costs what its fills paid plus fees;
  a sell brings in what its fills received less fees. Open buy orders hold back buying power.

  @allure.label.story:reconciliation @allure.severity:critical
  @needs:fills
  Scenario: Buying moves cash into a position
    Given the account "alice" with $100,000 cash
    When alice buys 100 ACME at market
    Then alice holds 100 ACME
    And alice's cash reconciles with the fills
    And alice's buying power is below $95,100.00

  @allure.label.story:reconciliation
  @needs:fills
  Scenario: A round trip with commissions reconciles to the cent
    Given the account "alice" with $100,000 cash
    And a commission of $0.01 per share, at least $1.00 per order
    When alice buys 300 ACME at market
    And alice sells 300 ACME at market
    Then alice has no ACME position
    And alice's cash reconciles with the fills
    And alice has paid $6.00 in fees

  @allure.label.story:buying-power @allure.severity:critical
  @needs:fills
  Scenario: A resting buy holds back buying power, and canceling it gives it back
    Given the account "alice" with $100,000 cash
    When alice buys 100 ACME with a limit of $49.00
    Then alice's buying power has dropped by at least $4,900.00
    And alice's cash is unchanged
    When alice cancels the order
    Then alice's buying power is at least $100,000.00

  @allure.label.story:defaults
  @needs:fills
  Scenario: Without an account set up, I trade from the default account
    When I submit a market order
    Then the order is filled
    And I hold 100 ACME
    And default holds 100 ACME
    And default's cash reconciles with the fills

  @allure.label.story:multi-account @allure.severity:critical
  @needs:fills
  Scenario: Accounts do not see each other's trades
    Given these accounts:
      | account | cash     |
      | alice   | $50,000  |
      | bob     | $250,000 |
    When bob buys 1,000 ACME at market
    Then bob holds 1,000 ACME
    And alice has no ACME position
    And alice has $50,000.00 cash

  @allure.label.story:positions
  Scenario: Accounts can start with positions
    Given these accounts:
      | account | cash       |
      | alice   | $1,000,000 |
      | bob     | $1,000,000 |
    And MEGA trades around $200.00
    And ACME trades around $50.00
    And these positions:
      | account | symbol | shares |
      | alice   | ACME   | 500    |
      | alice   | MEGA   | 100    |
      | bob     | ACME   | -200   |
    Then alice holds exactly these positions:
      | symbol | shares |
      | ACME   | 500    |
      | MEGA   | 100    |
    And bob is short 200 ACME

  @allure.label.story:closing
  @needs:fills
  Scenario: Closing a position sells all of it
    Given the account "alice" with $100,000 cash
    And alice holds 700 ACME
    When alice closes the ACME position
    Then alice has no ACME position
    And the order is filled
    And 700 shares are filled

  @allure.label.story:cash
  @needs:fills
  Scenario: Buying takes the cost of the fills out of the cash, to the cent
    Given the account "dora" with $100,000 cash
    And a commission of $0.01 per share, at least $1.00 per order
    When dora buys 300 ACME at market
    Then dora's cash fell by the cost of her fills

  @allure.label.story:cash
  @needs:fills
  Scenario: Selling brings the proceeds of the fills into the cash
    Given the account "erin" with $10,000 cash
    And erin holds 400 ACME
    When erin sells 400 ACME at market
    Then erin's cash rose by the proceeds of her fills
    And erin has no ACME position
