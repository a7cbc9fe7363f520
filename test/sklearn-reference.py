# scikit-learn's defaults on the same split, for the convergence tests: inputs
# standardised (as wasmlp's command line does for CSV), then MLPClassifier or
# MLPRegressor with every other setting at its default. Prints one number: test
# accuracy, or test RMSE.
import sys, warnings
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

warnings.simplefilter("ignore", ConvergenceWarning)
task, train_path, test_path = sys.argv[1:4]
train = np.loadtxt(train_path, delimiter=",", skiprows=1)
test = np.loadtxt(test_path, delimiter=",", skiprows=1)
if task == "classification":
    model = make_pipeline(StandardScaler(), MLPClassifier(random_state=0)).fit(train[:, :-1], train[:, -1].astype(int))
    print(model.score(test[:, :-1], test[:, -1].astype(int)))
else:
    model = make_pipeline(StandardScaler(), MLPRegressor(random_state=0)).fit(train[:, :-1], train[:, -1])
    print(np.sqrt(np.mean((model.predict(test[:, :-1]) - test[:, -1]) ** 2)))
