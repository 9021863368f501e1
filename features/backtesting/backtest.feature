@epic:backtesting @feature:backtest
@allure.label.epic:backtesting @allure.label.feature:backtest
@needs:control @needs:engine
Feature: Backtest a strategy over history, with ideal fills and with realistic execution
  A strategy developer runs the same strategy code over history twice: with ideal fills (each order trades at
  the next bar's open and pays nothing but commission), as other backtesting libraries do, and through the
  mock's execution (latency, the order book's spread and depth, slippage, impact and fees), to see how much of
  the strategy's return survives real execution. The strategy trades through the ordinary broker calls, so the
  same code runs against the mock or a real broker.

  Background:
    Given the strategy "sma_crossover" with fast 10 and slow 20 on GOOG history

  @allure.label.story:ideal-execution @allure.severity:critical
  Scenario: Ideal execution trades at the next bar's open and pays nothing
    When I run the backtest with ideal execution
    Then the backtest made 93 trades
    And the backtest paid no fees and no slippage
    And the backtest's return is above 700%
    And the backtest's equity chart is attached

  @allure.label.story:realistic-execution @allure.severity:critical
  Scenario: Realistic execution keeps the return less the slippage and fees it pays
    When I run the backtest with realistic execution
    Then the return is lower than with ideal execution by the slippage and fees paid
    And the backtest's equity chart is attached

  @allure.label.story:commission
  Scenario: A commission on every fill lowers the return of ideal execution
    Given the backtest starts with $10,000 cash
    And a commission of 0.2% of the traded value
    When I run the backtest with ideal execution
    Then the backtest made 93 trades
    And the backtest's return is below 500%

  @allure.label.story:realistic-execution
  Scenario: A bigger account pays more impact and fees but keeps most of the return
    Given the backtest starts with $1,000,000 cash
    When I run the backtest with realistic execution
    Then the return is lower than with ideal execution by the slippage and fees paid
    And the backtest's return is above 500%
