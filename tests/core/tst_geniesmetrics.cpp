#include "metrics/comparisons.h"
#include "metrics/geniesmetrics.h"
#include "metrics/pythonrandom.h"
#include "testsupport.h"

#include <cmath>

using namespace shiftscope;

class TestGeniesMetrics : public QObject {
    Q_OBJECT
private slots:
    void pythonRandomLabels();
    void pythonRandomPrefixSums();
    void basicMetricsCountTiesAsCorrect();
    void rmsDegenerateForHardProbabilities();
    void rmsDropsOnesAndSmallBins();
    void rmsNaNWhenNoBinQualifies();
    void correctedCalibrationIsZeroWhenCalibrated();
    void differentialElicitationFormula();
    void bootstrapIntervalIsSeededAndCoversAccuracy();
    void mcnemarKnownValues();
};

void TestGeniesMetrics::pythonRandomLabels()
{
    const std::vector<int> expected = {0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0,
                                       1, 0, 1, 1, 0, 0, 1, 1, 1, 0, 0, 1, 0, 0, 1, 0};
    PythonRandom rng(42);
    for (int label : expected)
        QCOMPARE(rng.choiceZeroOne(), label);
}

void TestGeniesMetrics::pythonRandomPrefixSums()
{
    const auto &labels = PythonRandom::geniesLabels(750);
    auto prefix = [&](int n) {
        int sum = 0;
        for (int i = 0; i < n; ++i)
            sum += labels[std::size_t(i)];
        return sum;
    };
    QCOMPARE(prefix(100), 44);
    QCOMPARE(prefix(250), 108);
    QCOMPARE(prefix(492), 236);
    QCOMPARE(prefix(500), 239);
    QCOMPARE(prefix(750), 374);
}

void TestGeniesMetrics::basicMetricsCountTiesAsCorrect()
{
    const std::vector<double> p = {0.5, 0.9, 0.2, 0.6};
    const auto m = computeGeniesMetrics(p);
    QCOMPARE(m.accuracy, 0.75);
    QVERIFY(std::fabs(m.averageProbability - 0.55) < 1e-15);
    QVERIFY(std::fabs(m.brierScore - (0.25 + 0.01 + 0.64 + 0.16) / 4) < 1e-15);
}

void TestGeniesMetrics::rmsDegenerateForHardProbabilities()
{
    // All q are 0 or 1: the 1s are dropped, the 0s form bin 1, so rms = mean of all random labels.
    for (auto [n, expected] : {std::pair{750, 374.0 / 750}, std::pair{500, 239.0 / 500}, std::pair{250, 108.0 / 250}}) {
        std::vector<double> p(std::size_t(n), 1.0);
        for (std::size_t k = 0; k < p.size(); k += 3)
            p[k] = 0.0;
        QVERIFY2(std::fabs(geniesRmsCalibrationError(p) - expected) < 1e-12, qPrintable(QString::number(n)));
    }
}

void TestGeniesMetrics::rmsDropsOnesAndSmallBins()
{
    // With p = 0.7 everywhere, q is 0.7 (label 1) or 0.3 (label 0): bins [.6,.8) and [.2,.4).
    const std::size_t n = 100;
    std::vector<double> p(n, 0.7);
    const auto &labels = PythonRandom::geniesLabels(n);
    double mean = 0;
    for (std::size_t k = 0; k < n; ++k)
        mean += labels[k];
    mean /= double(n);
    const double expected = std::sqrt(((mean - 0.3) * (mean - 0.3) + (mean - 0.7) * (mean - 0.7)) / 2);
    QVERIFY(std::fabs(geniesRmsCalibrationError(p) - expected) < 1e-12);
}

void TestGeniesMetrics::rmsNaNWhenNoBinQualifies()
{
    QVERIFY(std::isnan(geniesRmsCalibrationError(std::vector<double>(19, 0.3))));
    QVERIFY(std::isnan(geniesRmsCalibrationError(std::vector<double>{})));
}

void TestGeniesMetrics::correctedCalibrationIsZeroWhenCalibrated()
{
    // p = 1 always: q = 1 when the label is 1 and 0 when it is 0, so every bin's rate equals its confidence.
    QVERIFY(correctedRmsCalibrationError(std::vector<double>(300, 1.0)) < 1e-12);
    const auto bins = reliabilityDiagram(std::vector<double>(300, 1.0), 10);
    QCOMPARE(bins.size(), std::size_t(10));
    QCOMPARE(bins.front().count + bins.back().count, 300);
    QVERIFY(isHardProbabilities(std::vector<double>{0.0, 1.0}));
    QVERIFY(!isHardProbabilities(std::vector<double>{0.0, 0.5}));
}

void TestGeniesMetrics::differentialElicitationFormula()
{
    QCOMPARE(*differentialElicitation(0.7946666666666666, 0.624, 0.948), 0.18002812939521798);
    QVERIFY(!differentialElicitation(std::nullopt, 0.5, 0.9));
    QVERIFY(!differentialElicitation(0.5, 0.5, 0.0));
}

void TestGeniesMetrics::bootstrapIntervalIsSeededAndCoversAccuracy()
{
    std::vector<double> p(400);
    for (std::size_t k = 0; k < p.size(); ++k)
        p[k] = k % 4 == 0 ? 0.2 : 0.8; // accuracy 0.75
    const Interval a = bootstrapAccuracyInterval(p);
    const Interval b = bootstrapAccuracyInterval(p);
    QCOMPARE(a.low, b.low);
    QCOMPARE(a.high, b.high);
    QVERIFY(a.contains(0.75));
    // Close to the normal approximation: 0.75 +- 1.96 * sqrt(0.75 * 0.25 / 400) = +-0.042.
    QVERIFY(std::fabs((a.high - a.low) - 0.085) < 0.02);
    const std::vector<double> allRight(50, 0.9);
    QCOMPARE(bootstrapAccuracyInterval(allRight).low, 1.0);
}

void TestGeniesMetrics::mcnemarKnownValues()
{
    // b = 10, c = 2: exact two-sided p = 2 * P(X <= 2 | n = 12) = 2 * 79 / 4096.
    std::vector<double> first, second;
    for (int i = 0; i < 10; ++i) {
        first.push_back(0.9);
        second.push_back(0.1);
    }
    for (int i = 0; i < 2; ++i) {
        first.push_back(0.1);
        second.push_back(0.9);
    }
    for (int i = 0; i < 30; ++i) {
        first.push_back(0.7);
        second.push_back(0.6);
    }
    const auto r = mcnemarTest(first, second);
    QCOMPARE(r.onlyFirstRight, 10);
    QCOMPARE(r.onlySecondRight, 2);
    QVERIFY(std::fabs(r.pValue - 2.0 * 79.0 / 4096.0) < 1e-12);
    QVERIFY(std::fabs(r.chiSquare - 49.0 / 12.0) < 1e-12);
    QCOMPARE(mcnemarTest(std::vector<double>{0.9}, std::vector<double>{0.8}).pValue, 1.0);
}

QTEST_GUILESS_MAIN(TestGeniesMetrics)
#include "tst_geniesmetrics.moc"
