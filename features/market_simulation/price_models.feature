@epic:market-simulation @feature:price-models
@allure.label.epic:market-simulation @allure.label.feature:price-models
@needs:control @needs:clock
Feature: Prices move like a real market, in the way the scenario asks for
  Each price model gives prices a recognisable character: a random walk wanders, mean reversion pulls prices
  back to a level, momentum carries them one way, clustered volatility brings calm and wild spells with fat
  tails, a realistic market has the stylized facts of real equities, and a replay repeats real history exactly. The statistics behind these words are tested in
  tests/market/ with fixed seeds; here they are described as a trader sees them.

  Background:
    Given the account "alice" with $1,000,000 cash
    And ACME trades around $50.00

  @allure.label.story:random-walk @allure.severity:critical
  Scenario: A random walk wanders around its starting price with coherent bars
    Given prices follow a random walk drifting 0.5% a day
    And prices move about 2% on a typical day
    When 30 minutes pass
    Then ACME trades within 3% of $50.00
    And every ACME bar's high and low contain its open and close
    And the ACME bid is below the ask
    And a price chart of ACME is attached to the report

  @allure.label.story:mean-reversion
  Scenario: Mean reversion brings a displaced price back to its level
    Given ACME trades around $55.00
    And prices revert to $50.00 with a half-life of 20 minutes
    And prices update every second
    When 2 hours pass
    Then ACME trades within 1% of $50.00
    And a price chart of ACME is attached to the report

  @allure.label.story:momentum
  Scenario: A strong trend carries the price its way
    Given prices trend up 20% a day, fading with a half-life of 6 hours
    And prices update every second
    When 1 hour passes
    Then ACME has risen by at least 1%
    And a price chart of ACME is attached to the report

  @allure.label.story:volatility-clustering
  Scenario: Clustered volatility gives fat-tailed one-minute returns
    Given prices move about 4% on a typical day
    And volatility clusters from minute to minute
    And prices update every second
    When 3 hours pass
    Then ACME's one-minute returns have fat tails
    And a price chart of ACME is attached to the report

  @allure.label.story:realistic @allure.severity:critical
  Scenario: A realistic market trades most at the open and the close and has fat-tailed minutes
    Given prices move like a real stock market
    And prices update every second
    When 6.5 hours pass
    Then ACME trades more near the open and the close than at midday
    And ACME's one-minute returns have fat tails
    And every ACME bar's high and low contain its open and close
    And a price chart of ACME is attached to the report

  @allure.label.story:volatility-clustering
  Scenario: Clustered volatility at every update keeps the quote coherent
    Given volatility clusters
    When 10 minutes pass
    Then the ACME bid is below the ask
    And every ACME bar's high and low contain its open and close

  @allure.label.story:historical-replay @allure.severity:critical
  Scenario: Replaying recorded one-minute bars gives back their closes
    Given ACME replays the history in "ACME-1min.csv"
    When 15 minutes pass
    Then ACME has replayed the recorded closes
    And a price chart of ACME is attached to the report

  @allure.label.story:historical-replay
  Scenario: Replaying the S&P 500 visits its real daily closes
    Given ACME replays the S&P 500's daily history
    When 400 ms pass
    Then ACME trades within 0.05% of $1,228.10
    When 400 ms pass
    Then ACME trades within 0.05% of $1,244.78
