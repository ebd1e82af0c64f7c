# National baseline convenience measures and restrictions (CN-8).
package j100000.convenience_measures

import data.lib.convenience

decision := convenience.decision
